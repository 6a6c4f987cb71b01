import { ConfigError, TracedeckError } from "../client/errors";

// The telemetry client's errors: TracedeckErrors like the batch client's, so an application can
// catch every SDK failure with one instanceof.

export class TelemetryError extends TracedeckError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A method that needs `initialize()` was called before it (or after `shutdown()`). */
export class NotInitializedError extends TelemetryError {}

/** initialize() found the server unreachable, or its answer refused the API key (the reference's name). */
export class TelemetryFlowError extends TelemetryError {}

/** A key id or secret that is not a Tracedeck key. */
export class CredentialsError extends TelemetryError {}

/** The builder was given options that do not make a client. */
export class BuilderError extends TelemetryError {}

/** The configuration cannot work: a missing service name, an endpoint that is not a URL, … */
export { ConfigError };

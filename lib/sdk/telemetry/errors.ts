// The telemetry client's errors: one base class, so an application can catch them all.

export class TelemetryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A method that needs `initialize()` was called before it (or after `shutdown()`). */
export class NotInitializedError extends TelemetryError {}

/** The configuration cannot work: a missing service name, an endpoint that is not a URL, … */
export class ConfigError extends TelemetryError {}

/** A key id or secret that is not a Tracedeck key. */
export class CredentialsError extends TelemetryError {}

/** The builder was given options that do not make a client. */
export class BuilderError extends TelemetryError {}

"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { endpointKey, request, sendEndpoint } from "@/components/data/api";
import { useView } from "@/components/data/hooks";
import { keysRequest } from "@/components/data/requests";
import { useOrigin } from "@/components/ui/browser";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { ActionError } from "@/components/ui/states";
import { useSessionUser } from "./session";

function Snippet({ text, label }: { text: string; label: string }) {
  return (
    <div className="mt-1 flex items-start gap-2">
      <pre
        aria-label={label}
        className="flex-1 overflow-x-auto rounded bg-zinc-100 p-2 text-left text-xs dark:bg-zinc-800"
      >
        {text}
      </pre>
      <CopyButton text={text} />
    </div>
  );
}

/** An empty project says how to send it data: where to, and with which key. */
export function SendDataGuide() {
  const view = useView();
  const user = useSessionUser();
  const origin = useOrigin();
  const queryClient = useQueryClient();
  const createKey = useMutation({
    mutationFn: () =>
      sendEndpoint(request("createKey", { query: { project: view.project } }), { name: "ingest", scopes: ["ingest"] }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: endpointKey(keysRequest(view)) }),
  });
  const key = createKey.data ? `${createKey.data.key_id}:${createKey.data.secret}` : "<key_id>:<key_secret>";

  return (
    <section
      aria-label="Send data"
      className="rounded-lg border border-sky-200 bg-sky-50 p-5 text-sm dark:border-sky-900 dark:bg-sky-950/40"
    >
      <h2 className="text-base font-semibold">This project has no data yet</h2>
      <p className="mt-1 text-zinc-600 dark:text-zinc-300">
        Point an OpenTelemetry SDK or the Tracedeck SDK at this server, with an ingest key of project{" "}
        <b>{view.project}</b>. Try it with{" "}
        <code>{view.project === "default" ? "npm run demo" : `npm run demo -- --project ${view.project}`}</code>, which
        sends a small shop&rsquo;s telemetry to this project.
      </p>
      <dl className="mt-4 space-y-3">
        <div>
          <dt className="font-medium">OTLP/HTTP endpoint</dt>
          <dd>
            <Snippet label="OTLP endpoint" text={`${origin}/v1/traces   ${origin}/v1/metrics   ${origin}/v1/logs`} />
          </dd>
        </div>
        <div>
          <dt className="font-medium">Ingest key</dt>
          <dd className="mt-1">
            {createKey.data ? (
              <>
                <p className="text-amber-800 dark:text-amber-300">Copy the key now: its secret is not shown again.</p>
                <Snippet label="New ingest key" text={key} />
              </>
            ) : user.role === "admin" ? (
              <Button disabled={createKey.isPending} onClick={() => createKey.mutate()}>
                Create an ingest key
              </Button>
            ) : (
              <p>Ask an admin for an ingest key of this project (Settings → API keys).</p>
            )}
            {createKey.error && <ActionError action="create a key" error={createKey.error} />}
          </dd>
        </div>
        <div>
          <dt className="font-medium">OpenTelemetry SDK environment</dt>
          <dd>
            <Snippet
              label="OpenTelemetry environment"
              text={`OTEL_EXPORTER_OTLP_ENDPOINT=${origin}\nOTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer ${key}"`}
            />
          </dd>
        </div>
        <div>
          <dt className="font-medium">Or with curl</dt>
          <dd>
            <Snippet
              label="curl example"
              text={`curl -X POST ${origin}/api/v1/spans \\\n  -H "Authorization: Bearer ${key}" -H "content-type: application/json" \\\n  -d '{"spans":[{"name":"GET /hello","service_name":"hello","kind":"server","start_time":'$(date +%s)',"duration_ms":12}]}'`}
            />
          </dd>
        </div>
      </dl>
    </section>
  );
}

"use client";

import { useMutation } from "@tanstack/react-query";
import { cloneElement, useEffect, useId, useRef, useState, type FormEvent, type ReactElement } from "react";
import { request, sendEndpoint } from "@/components/data/api";
import { useEndpoint, useView } from "@/components/data/hooks";
import { alertChannelsRequest } from "@/components/data/requests";
import type { AlertConditionKind, AlertRule } from "@/components/data/types";
import { useHydrated } from "@/components/ui/browser";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import { Panel } from "@/components/ui/panel";
import { ActionError } from "@/components/ui/states";
import {
  ABSENCE_SOURCES,
  AGGS,
  KIND_LABELS,
  KINDS,
  MEASURES,
  OPS,
  PUBLISHER_WHEN,
  ruleBody,
  SEVERITIES,
  thresholdHint,
  withKind,
  type RuleDraft,
} from "./draft";
import { useRefreshAlerts } from "./refresh";

/**
 * Creates a rule, or edits `rule`: its name, what it watches (the fields of the kind chosen), when it fires and whom
 * it tells. The API checks the whole rule; what it refuses is shown beside the form in its words (naming the field).
 */
export function RuleForm({
  rule,
  initial,
  onDone,
}: {
  rule?: AlertRule;
  initial: RuleDraft;
  onDone: (saved?: AlertRule) => void;
}) {
  const view = useView();
  const refresh = useRefreshAlerts();
  const channels = useEndpoint(alertChannelsRequest(view));
  // a link opens the form with the page: what is typed before it hydrates would be lost
  const hydrated = useHydrated();
  const [draft, setDraft] = useState(initial);
  const set = (patch: Partial<RuleDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // a block body: Chromium's scrollIntoView returns a promise, which React would take for a cleanup
    ref.current?.scrollIntoView({ block: "nearest" });
  }, []);
  const save = useMutation({
    mutationFn: () => {
      const body = ruleBody(draft);
      const project = { project: view.project };
      return rule
        ? sendEndpoint(request("updateAlertRule", { params: { id: rule.id }, query: project }), body)
        : sendEndpoint(request("createAlertRule", { query: project }), body);
    },
    onSuccess: async (saved) => {
      await refresh();
      onDone(saved);
    },
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    save.mutate();
  };
  const errorId = useId();
  const measures = draft.kind in MEASURES ? MEASURES[draft.kind as keyof typeof MEASURES] : undefined;
  const compared = draft.kind !== "publisher" && draft.kind !== "absence";
  const text = (key: keyof RuleDraft) => ({
    value: draft[key] as string,
    onChange: (event: { target: { value: string } }) => set({ [key]: event.target.value }),
  });

  return (
    <div ref={ref}>
      <Panel title={rule ? `Edit rule ${rule.name}` : "New alert rule"}>
        <form
          aria-label={rule ? "Edit alert rule" : "New alert rule"}
          aria-describedby={save.error ? errorId : undefined}
          onSubmit={submit}
          className="space-y-4 text-sm"
        >
          <div className="flex flex-wrap items-end gap-3">
            <Field label="Rule name" wide>
              <Input required maxLength={200} placeholder="checkout is failing" {...text("name")} />
            </Field>
            <Field label="Watch">
              <Select
                value={draft.kind}
                onChange={(event) =>
                  setDraft((d) => withKind(d, KINDS.find((k) => k === event.target.value) ?? d.kind))
                }
              >
                {KINDS.map((kind) => (
                  <option key={kind} value={kind}>
                    {KIND_LABELS[kind]}
                  </option>
                ))}
              </Select>
            </Field>
          </div>

          <fieldset className="flex flex-wrap items-start gap-3 rounded-md border border-zinc-200 p-3 dark:border-zinc-800">
            <legend className="px-1 text-xs text-zinc-500">Condition</legend>
            <KindFields kind={draft.kind} text={text} />
            {measures && (
              <Field label="Measure">
                <Select {...text("measure")}>
                  {Object.entries(measures).map(([measure, label]) => (
                    <option key={measure} value={measure}>
                      {label}
                    </option>
                  ))}
                </Select>
              </Field>
            )}
            {draft.kind === "pipeline" && draft.measure === "stuck" && (
              <Field label="Stuck after (minutes)">
                <Input type="number" min={1} step={1} className="w-28" {...text("stuck_minutes")} />
              </Field>
            )}
            {compared && (
              <>
                <Field label="Fires when">
                  <Select {...text("op")}>
                    {Object.entries(OPS).map(([op, label]) => (
                      <option key={op} value={op}>
                        {label}
                      </option>
                    ))}
                  </Select>
                </Field>
                <Field label="Threshold" hint={thresholdHint(draft)}>
                  <Input type="number" step="any" required className="w-32" {...text("threshold")} />
                </Field>
              </>
            )}
            {draft.kind !== "publisher" && (
              <Field
                label="Window (minutes)"
                hint={draft.kind === "absence" ? "fires when nothing arrived for this long" : "the minutes measured"}
              >
                <Input type="number" min={1} step={1} required className="w-28" {...text("window_minutes")} />
              </Field>
            )}
          </fieldset>

          <div className="flex flex-wrap items-start gap-3">
            <Field label="For (minutes)" hint="how long it must hold before firing; 0: at once">
              <Input type="number" min={0} step={1} required className="w-28" {...text("for_minutes")} />
            </Field>
            <Field label="Severity">
              <Select {...text("severity")}>
                {Object.entries(SEVERITIES).map(([severity, label]) => (
                  <option key={severity} value={severity}>
                    {label}
                  </option>
                ))}
              </Select>
            </Field>
            <label className="mt-7 flex items-center gap-2">
              <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
              Enabled
            </label>
          </div>

          <fieldset className="space-y-1">
            <legend className="mb-1">Notify</legend>
            {channels.data === undefined ? (
              <p className="text-xs text-zinc-500">
                {channels.error ? "The channels could not be read." : "Reading the channels…"}
              </p>
            ) : channels.data.channels.length === 0 ? (
              <p className="text-xs text-zinc-500">
                No channel yet: add one under Channels below; the rule still shows here when it fires.
              </p>
            ) : (
              <div className="flex flex-wrap gap-x-4 gap-y-1">
                {channels.data.channels.map((channel) => (
                  <label key={channel.id} className="flex items-center gap-1.5">
                    <input
                      type="checkbox"
                      checked={draft.channel_ids.includes(channel.id)}
                      onChange={(e) =>
                        set({
                          channel_ids: e.target.checked
                            ? [...draft.channel_ids, channel.id]
                            : draft.channel_ids.filter((id) => id !== channel.id),
                        })
                      }
                    />
                    {channel.name}{" "}
                    <span className="text-xs text-zinc-500">
                      ({channel.type}
                      {channel.enabled ? "" : ", disabled"})
                    </span>
                  </label>
                ))}
              </div>
            )}
          </fieldset>

          <div className="flex gap-2">
            <Button type="submit" disabled={!hydrated || save.isPending}>
              {rule ? "Save rule" : "Create rule"}
            </Button>
            <Button variant="secondary" onClick={() => onDone()}>
              Cancel
            </Button>
          </div>
          {save.error && (
            <div id={errorId}>
              <ActionError action={rule ? "save the rule" : "create the rule"} error={save.error} />
            </div>
          )}
        </form>
      </Panel>
    </div>
  );
}

type TextField = (key: keyof RuleDraft) => {
  value: string;
  onChange: (event: { target: { value: string } }) => void;
};

/** The fields that say what a condition of the kind watches. */
function KindFields({ kind, text }: { kind: AlertConditionKind; text: TextField }) {
  switch (kind) {
    case "service":
      return (
        <>
          <Field label="Service">
            <Input required placeholder="checkout" {...text("service")} />
          </Field>
          <Field label="Operation (optional)" hint="a span name; empty: every operation">
            <Input placeholder="POST /orders" {...text("operation")} />
          </Field>
        </>
      );
    case "pipeline":
      return (
        <Field label="Event name">
          <Input required placeholder="export" {...text("event_name")} />
        </Field>
      );
    case "network":
      return (
        <>
          <Field label="Host">
            <Input required placeholder="api.example.com" {...text("host")} />
          </Field>
          <Field label="Port">
            <Input type="number" min={0} max={65535} step={1} required className="w-24" {...text("port")} />
          </Field>
        </>
      );
    case "metric":
      return (
        <>
          <Field label="Metric">
            <Input required placeholder="http.server.duration" {...text("metric")} />
          </Field>
          <Field label="Aggregation" hint="per minute">
            <Select {...text("agg")}>
              {AGGS.map((agg) => (
                <option key={agg} value={agg}>
                  {agg}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Tag filters" hint="key:value, space-separated" wide>
            <Input placeholder="service.name:api" {...text("tags")} />
          </Field>
          <Field label="Group by" hint="tag keys: fires per group">
            <Input placeholder="region" {...text("group_by")} />
          </Field>
        </>
      );
    case "publisher":
      return (
        <>
          <Field label="Publisher">
            <Input required placeholder="search" {...text("publisher")} />
          </Field>
          <Field label="When it">
            <Select {...text("when")}>
              {Object.entries(PUBLISHER_WHEN).map(([when, label]) => (
                <option key={when} value={when}>
                  {label}
                </option>
              ))}
            </Select>
          </Field>
        </>
      );
    case "absence":
      return (
        <>
          <Field label="Missing">
            <Select {...text("source")}>
              {Object.entries(ABSENCE_SOURCES).map(([source, label]) => (
                <option key={source} value={source}>
                  {label}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Service or event name">
            <Input required placeholder="checkout" {...text("absence_name")} />
          </Field>
        </>
      );
  }
}

/** A labelled field, with a line under it saying what it means (its description, not part of its name). */
function Field({
  label,
  hint,
  wide,
  children,
}: {
  label: string;
  hint?: string;
  wide?: boolean;
  children: ReactElement<{ "aria-describedby"?: string }>;
}) {
  const hintId = useId();
  return (
    <div className={`flex flex-col gap-0.5 ${wide ? "min-w-56 flex-1" : ""}`}>
      <label className="flex flex-col gap-0.5">
        {label}
        {hint ? cloneElement(children, { "aria-describedby": hintId }) : children}
      </label>
      {hint && (
        <span id={hintId} className="text-xs text-zinc-500">
          {hint}
        </span>
      )}
    </div>
  );
}

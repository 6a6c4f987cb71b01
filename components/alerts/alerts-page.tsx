"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import type { AlertRule } from "@/components/data/types";
import { useSessionUser } from "@/components/layout/session";
import { useHydrated } from "@/components/ui/browser";
import { Button } from "@/components/ui/button";
import { ActiveAlertsPanel } from "./active-alerts";
import { ChannelsPanel } from "./channels";
import { draftFromParams, draftFromRule, EMPTY_DRAFT, type RuleDraft } from "./draft";
import { RuleForm } from "./rule-form";
import { RulesPanel } from "./rules";
import { SilencesPanel } from "./silences";

/** The URL parameters the page keeps when a filled-in form (`?new=1&…`) is closed. */
const KEPT = ["project", "from", "to", "rule"];

/** The rule being made or edited: a new one (from a link's parameters or blank), or `rule`. */
interface Editing {
  rule?: AlertRule;
  draft: RuleDraft;
}

export function AlertsPage() {
  const user = useSessionUser();
  const params = useSearchParams();
  const pathname = usePathname();
  const router = useRouter();
  const hydrated = useHydrated();
  const admin = user.role === "admin";
  // "Alert on this" links open the form filled in; a later link to the page opens its own
  const linked = useMemo(() => draftFromParams(params), [params]);
  // the link's own parameters: opening a rule's history beside the form keeps what was typed in it
  const linkKey = [...params].filter(([key]) => !KEPT.includes(key)).join("&");
  const [editing, setEditing] = useState<Editing | null>(null);
  const form = editing ?? (linked && admin ? { draft: linked } : null);

  const close = () => {
    setEditing(null);
    if (!linked) return;
    const kept = new URLSearchParams();
    for (const key of KEPT) for (const value of params.getAll(key)) kept.append(key, value);
    const query = kept.toString();
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  };

  return (
    <div className="mx-auto max-w-7xl space-y-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Alerts</h1>
        <p className="text-sm text-zinc-500">
          Rules watch services, pipeline events, hosts, metrics and publishers every minute, and tell your channels when
          one fires and when it resolves.
        </p>
      </div>
      {form && (
        <RuleForm
          key={form.rule?.id ?? (editing ? "new" : linkKey)}
          rule={form.rule}
          initial={form.draft}
          onDone={close}
        />
      )}
      {linked && !admin && (
        <p role="status" className="text-sm text-zinc-600 dark:text-zinc-300">
          Only admins make alert rules: ask one to add this rule.
        </p>
      )}
      <ActiveAlertsPanel />
      <RulesPanel
        onEdit={(rule) => setEditing({ rule, draft: draftFromRule(rule) })}
        actions={
          admin &&
          !form && (
            <Button size="sm" disabled={!hydrated} onClick={() => setEditing({ draft: EMPTY_DRAFT })}>
              New rule
            </Button>
          )
        }
      />
      <ChannelsPanel />
      <SilencesPanel />
    </div>
  );
}

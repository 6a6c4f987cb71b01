"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { endpointKey, request, sendEndpoint } from "@/components/data/api";
import { useEndpoint } from "@/components/data/hooks";
import type { Account } from "@/components/data/types";
import { usersRequest } from "@/components/data/requests";
import { useSessionUser } from "@/components/layout/session";

import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import { ActionError, EmptyState, QueryState } from "@/components/ui/states";
import { Time } from "@/components/ui/time";
import { cell, panel, tableHead, tableRow } from "./controls";

type Role = Account["role"];

export function UsersSettings() {
  const user = useSessionUser();
  return (
    <div className="space-y-6">
      <div>
        <h2 className="text-lg font-semibold">Users</h2>
        <p className="text-sm text-zinc-500">
          Accounts that sign in to this dashboard. Admins manage projects, keys and accounts; viewers only read.
        </p>
      </div>
      {user.role === "admin" ? (
        <ManageAccounts />
      ) : (
        <EmptyState title="Only admins manage accounts">Ask an admin to invite someone or to change a role.</EmptyState>
      )}
    </div>
  );
}

function ManageAccounts() {
  const accounts = useEndpoint(usersRequest());
  return (
    <>
      <QueryState query={accounts} what="accounts">
        {({ users }) => (users.length === 0 ? <EmptyState title="No accounts" /> : <AccountTable accounts={users} />)}
      </QueryState>
      <InviteForm />
    </>
  );
}

function AccountTable({ accounts }: { accounts: Account[] }) {
  return (
    <div className={`overflow-x-auto ${panel}`}>
      <table aria-label="Accounts" className="w-full text-sm">
        <thead className={tableHead}>
          <tr>
            <th className={`${cell} font-medium`}>Email</th>
            <th className={`${cell} font-medium`}>Role</th>
            <th className={`${cell} font-medium`}>Created</th>
            <th className={`${cell} font-medium`}>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((account) => (
            <AccountRow key={account.id} account={account} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AccountRow({ account }: { account: Account }) {
  const me = useSessionUser();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const mine = account.id === me.id;
  const afterChange = async () => {
    await queryClient.invalidateQueries({ queryKey: endpointKey(usersRequest()) });
    // the console's own session changed: the server renders it again (a removed account signs out)
    if (mine) router.refresh();
  };
  const changeRole = useMutation({
    mutationFn: (role: Role) => sendEndpoint(request("updateUser", { params: { id: account.id } }), { role }),
    onSuccess: afterChange,
  });
  const remove = useMutation({
    mutationFn: () => sendEndpoint(request("removeUser", { params: { id: account.id } })),
    onSuccess: afterChange,
  });

  return (
    <tr data-account={account.email} className={tableRow}>
      <td className={cell}>
        <span className="font-medium">{account.email}</span>
        {mine && (
          <span className="ml-2 rounded-full bg-zinc-100 px-2 py-0.5 text-xs text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">
            you
          </span>
        )}
      </td>
      <td className={cell}>
        <Select
          aria-label={`Role of ${account.email}`}
          value={(changeRole.isPending && changeRole.variables) || account.role}
          disabled={changeRole.isPending}
          onChange={(event) => changeRole.mutate(event.target.value as Role)}
        >
          <option value="viewer">viewer</option>
          <option value="admin">admin</option>
        </Select>
        {changeRole.error && <ActionError action="change the role" error={changeRole.error} />}
      </td>
      <td className={`${cell} tabular-nums text-zinc-600 dark:text-zinc-400`}>
        <Time iso={account.created_at} precision="minute" />
      </td>
      <td className={`${cell} text-right`}>
        {confirming ? (
          <span className="inline-flex flex-wrap items-center gap-2">
            <Button variant="danger" size="sm" disabled={remove.isPending} onClick={() => remove.mutate()}>
              Confirm remove
            </Button>
            <Button
              variant="secondary"
              size="sm"
              onClick={() => {
                setConfirming(false);
                remove.reset();
              }}
            >
              Cancel
            </Button>
          </span>
        ) : (
          <Button
            variant="secondary"
            size="sm"
            aria-label={`Remove ${account.email}`}
            onClick={() => setConfirming(true)}
          >
            Remove
          </Button>
        )}
        {remove.error && <ActionError action="remove the account" error={remove.error} />}
      </td>
    </tr>
  );
}

function InviteForm() {
  const queryClient = useQueryClient();
  const invite = useMutation({
    mutationFn: (account: { email: string; password: string; role: Role }) =>
      sendEndpoint(request("createUser", {}), account),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: endpointKey(usersRequest()) }),
  });

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    invite.mutate(
      {
        email: String(data.get("email") ?? ""),
        password: String(data.get("password") ?? ""),
        role: data.get("role") === "admin" ? "admin" : "viewer",
      },
      { onSuccess: () => form.reset() },
    );
  };

  return (
    <section aria-labelledby="invite-heading" className={`${panel} space-y-3 p-4`}>
      <h3 id="invite-heading" className="font-medium">
        Invite someone
      </h3>
      <form aria-label="Invite someone" onSubmit={submit} className="flex flex-wrap items-end gap-3 text-sm">
        <label className="flex flex-col gap-0.5">
          Email
          <Input name="email" type="email" required autoComplete="off" />
        </label>
        <label className="flex flex-col gap-0.5">
          Initial password
          <Input name="password" type="password" required minLength={12} autoComplete="new-password" />
        </label>
        <label className="flex flex-col gap-0.5">
          Role
          <Select name="role" defaultValue="viewer">
            <option value="viewer">viewer</option>
            <option value="admin">admin</option>
          </Select>
        </label>
        <Button type="submit" disabled={invite.isPending}>
          Invite
        </Button>
      </form>
      <p className="text-xs text-zinc-500">
        Passwords have at least 12 characters and are not common ones. Give the initial password to the person yourself;
        they sign in with it at /login.
      </p>
      {invite.error && <ActionError action="invite" error={invite.error} />}
      {invite.data && (
        <p role="status" className="text-sm">
          Invited <b>{invite.data.email}</b> as {invite.data.role}.
        </p>
      )}
    </section>
  );
}

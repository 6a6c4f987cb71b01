import { KeysSettings } from "@/components/settings/keys";
import { keysRequest } from "@/components/data/requests";
import { paramsOf, readView } from "@/components/data/view";
import { Prefetch } from "../../prefetch";
import { signedInAsAdmin } from "../../session";

export default async function KeysSettingsRoute({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const view = readView(paramsOf(await searchParams));
  return (
    <Prefetch requests={(await signedInAsAdmin()) ? [keysRequest(view)] : []}>
      <KeysSettings />
    </Prefetch>
  );
}

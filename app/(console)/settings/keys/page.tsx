import { KeysSettings } from "@/components/settings/keys";
import { keysUrl } from "@/components/data/urls";
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
    <Prefetch urls={(await signedInAsAdmin()) ? [keysUrl(view)] : []}>
      <KeysSettings />
    </Prefetch>
  );
}

import { StorageSettings } from "@/components/settings/storage";
import { retentionRequest } from "@/components/data/requests";
import { Prefetch } from "../../prefetch";
import { signedInAsAdmin } from "../../session";

export default async function StorageSettingsRoute() {
  return (
    <Prefetch requests={(await signedInAsAdmin()) ? [retentionRequest()] : []}>
      <StorageSettings />
    </Prefetch>
  );
}

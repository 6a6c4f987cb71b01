import { UsersSettings } from "@/components/settings/users";
import { usersRequest } from "@/components/data/requests";
import { Prefetch } from "../../prefetch";
import { signedInAsAdmin } from "../../session";

export default async function UsersSettingsRoute() {
  return (
    <Prefetch requests={(await signedInAsAdmin()) ? [usersRequest()] : []}>
      <UsersSettings />
    </Prefetch>
  );
}

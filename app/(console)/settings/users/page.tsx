import { UsersSettings } from "@/components/settings/users";
import { usersUrl } from "@/components/data/urls";
import { Prefetch } from "../../prefetch";
import { signedInAsAdmin } from "../../session";

export default async function UsersSettingsRoute() {
  return (
    <Prefetch urls={(await signedInAsAdmin()) ? [usersUrl()] : []}>
      <UsersSettings />
    </Prefetch>
  );
}

import { AccountSettings } from "@/components/settings/account";

export default function AccountSettingsRoute() {
  return <AccountSettings />;
}

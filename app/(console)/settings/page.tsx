import { ProjectsSettings } from "@/components/settings/projects";
import { projectsRequest } from "@/components/data/requests";
import { Prefetch } from "../prefetch";

export default function ProjectsSettingsRoute() {
  return (
    <Prefetch requests={[projectsRequest()]}>
      <ProjectsSettings />
    </Prefetch>
  );
}

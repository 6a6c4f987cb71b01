import { ProjectsSettings } from "@/components/settings/projects";
import { projectsUrl } from "@/components/data/urls";
import { Prefetch } from "../prefetch";

export default function ProjectsSettingsRoute() {
  return (
    <Prefetch urls={[projectsUrl()]}>
      <ProjectsSettings />
    </Prefetch>
  );
}

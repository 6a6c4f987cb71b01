// Shared by the server (which renders the chosen theme) and the toggle (which sets it).

export type Theme = "light" | "dark" | "system";
export const THEME_COOKIE = "tracedeck_theme";

export function readTheme(value: string | undefined): Theme {
  return value === "light" || value === "dark" ? value : "system";
}

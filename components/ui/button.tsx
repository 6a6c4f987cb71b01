import type { ComponentProps } from "react";

const VARIANTS = {
  /** the one action a form or section is for */
  primary: "bg-sky-600 text-white hover:bg-sky-700",
  /** the other actions: cancel, edit, page through, copy */
  secondary: "border border-zinc-300 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800",
  /** an action that destroys something, once confirmed */
  danger: "bg-red-600 text-white hover:bg-red-700",
  /** a whole row, a menu entry or an icon that acts when clicked */
  ghost: "hover:bg-zinc-100 dark:hover:bg-zinc-800",
  /** an action that reads as a link in running text */
  link: "text-sky-700 hover:underline dark:text-sky-400",
};

const SIZES = {
  /** in a table row or a card, beside the data it acts on */
  sm: "rounded-md px-2.5 py-1 text-xs",
  /** in a form, a toolbar or the header: as tall as a text input */
  md: "rounded-md px-4 py-1.5 text-sm",
};

export interface ButtonProps extends ComponentProps<"button"> {
  variant?: keyof typeof VARIANTS;
  /** ghost and link buttons take their box from where they stand (a row, an icon, a word) unless given one */
  size?: keyof typeof SIZES;
}

/** A button of the dashboard's kit; a plain button (not a form submit) unless `type` says otherwise. */
export function Button({ variant = "primary", size, type = "button", className, ...props }: ButtonProps) {
  const box = size ?? (variant === "ghost" || variant === "link" ? undefined : "md");
  const classes = [VARIANTS[variant], box && SIZES[box], "disabled:opacity-50", className];
  return <button type={type} className={classes.filter(Boolean).join(" ")} {...props} />;
}

"use client";

import { createContext, useContext, type ReactNode } from "react";

export interface SignedInUser {
  id: string;
  email: string;
  role: "admin" | "viewer";
}

const SessionContext = createContext<SignedInUser | null>(null);

export function SessionProvider({ user, children }: { user: SignedInUser; children: ReactNode }) {
  return <SessionContext.Provider value={user}>{children}</SessionContext.Provider>;
}

/** The signed-in account; admin-only controls are hidden from viewers (the API refuses them anyway). */
export function useSessionUser(): SignedInUser {
  const user = useContext(SessionContext);
  if (!user) throw new Error("useSessionUser outside the signed-in console");
  return user;
}

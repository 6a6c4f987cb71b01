import { oauthRoute, tokenRequest } from "@/lib/auth/oauth";

// POST /api/oauth/token — client-credentials grant (RFC 6749 §4.4)
export const POST = oauthRoute(tokenRequest);

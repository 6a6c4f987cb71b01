import { oauthRoute, revokeRequest } from "@/lib/auth/oauth";

// POST /api/oauth/revoke — token revocation (RFC 7009)
export const POST = oauthRoute(revokeRequest);

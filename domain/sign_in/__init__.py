"""Sign in with Google and Microsoft through OpenID Connect: authorization code with PKCE, `state` and `nonce`,
ID tokens verified against the provider's JWKS, and the identities linked to each person."""

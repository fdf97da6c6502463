// A real OpenID Connect provider for the single sign-on tests (panva's oidc-provider).
// Usage: node oidc_provider.mjs PORT REDIRECT_URI
// The client is "datapolis" / "test-secret". Any login name signs in (development
// interactions); its claims come from ACCOUNTS, its groups from the "groups" claim.
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
const ACCOUNTS = {
  agent: {
    email: 'agent@meudon.fr',
    email_verified: true,
    preferred_username: 'agent',
    given_name: 'Agnès',
    family_name: 'Martin',
    groups: ['agents-meudon', 'urbanisme'],
  },
};

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: 'datapolis',
      client_secret: 'test-secret',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['preferred_username', 'given_name', 'family_name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  async findAccount(ctx, id) {
    const claims = ACCOUNTS[id] ?? { preferred_username: id, groups: [] };
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  cookies: { keys: ['oidc-test-cookie-key'] },
  features: { devInteractions: { enabled: true } },
});
provider.on('server_error', (ctx, error) => console.error('server_error', error));
provider.listen(Number(port), '127.0.0.1', () => console.log('ready'));

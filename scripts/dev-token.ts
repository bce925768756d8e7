// Prints a development token for the hub: a platform admin, valid 12 hours, signed with
// AUTH_JWT_SECRET (HS256, audience "flotilla"). For development only.
import { SignJWT } from 'jose';

const secret = process.env.AUTH_JWT_SECRET;
if (!secret) {
  process.stderr.write('dev-token: set AUTH_JWT_SECRET to the secret the hub was started with\n');
  process.exit(2);
}
const sub = process.argv[2] ?? 'dev-admin';
const groups = process.argv.slice(3).length ? process.argv.slice(3) : ['flotilla:platform-admins'];
new SignJWT({ groups })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject(sub)
  .setAudience('flotilla')
  .setIssuedAt()
  .setExpirationTime('12h')
  .sign(new TextEncoder().encode(secret))
  .then((token) => process.stdout.write(`${token}\n`));

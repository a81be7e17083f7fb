// Test fixture: a process that uses the built SDK (a token cache and getAccessToken), closes
// it, and must then exit on its own: close() leaves no connection, stream or timer behind.
import { createWxTokenClient } from "../../dist/index.js";

const [baseUrl, transport, appId] = process.argv.slice(2);
const client = createWxTokenClient({
  baseUrl,
  transport,
  apiKey: process.env.WXTOKEN_KEY ?? "",
});
const credential = await client.tokenCache(appId).ready();
await client.getAccessToken(appId);
await client.close();
process.stdout.write(`closed after generation ${credential.generation}\n`);

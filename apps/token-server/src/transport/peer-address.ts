// A peer's address without its port, the subject a limit refusal is logged under
// ("127.0.0.1:5000" → "127.0.0.1", "::1:5000" → "::1").
export const addressOf = (peer: string) => peer.replace(/:\d+$/, "");

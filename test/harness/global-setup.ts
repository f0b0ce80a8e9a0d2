/** Jest global set-up: placeholder until the cluster supervisor lands. */
export default async function globalSetup(): Promise<void> {}

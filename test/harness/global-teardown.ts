/** Jest global teardown: placeholder until the cluster supervisor lands. */
export default async function globalTeardown(): Promise<void> {}

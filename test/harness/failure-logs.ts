// Attaches daemon logs to a failing test's error, so a red test explains itself.
export interface LogSource {
  logs(): string;
}

/** `sources` is read at failure time, so sources added while body runs are shown too. */
export async function withLogs<T>(sources: readonly LogSource[], body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    const logs = sources.map((s) => s.logs()).join('\n');
    if (error instanceof Error) {
      error.message = `${error.message}\n\n==== daemon logs ====\n${logs}`;
      throw error;
    }
    throw new Error(`${String(error)}\n\n==== daemon logs ====\n${logs}`, { cause: error });
  }
}

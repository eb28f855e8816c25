// Worker for the concurrent first-open test in history_test.ts: opens and
// closes each history path it is given, and answers with the messages of the
// opens that failed.
import { openHistory } from "../../../core/track/history/history.ts";

const ctx = self as unknown as {
  onmessage: ((e: MessageEvent<{ paths: string[] }>) => void) | null;
  postMessage(failures: string[]): void;
};

ctx.onmessage = (e) => {
  const failures: string[] = [];
  for (const path of e.data.paths) {
    try {
      openHistory(path).close();
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  ctx.postMessage(failures);
};

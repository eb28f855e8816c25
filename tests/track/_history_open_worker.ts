// Worker for the concurrent first-open test in history_test.ts: opens and
// closes each history path it is given, and answers with the messages of the
// opens that failed.
import { openHistory } from "../../core/track/history.ts";

self.onmessage = (e: MessageEvent<{ paths: string[] }>) => {
  const failures: string[] = [];
  for (const path of e.data.paths) {
    try {
      openHistory(path).close();
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  self.postMessage(failures);
};

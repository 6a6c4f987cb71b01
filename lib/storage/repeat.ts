/**
 * Runs `pass` now and then again after the milliseconds each run answers, one run at a time, until
 * stopped; answers how to stop. The timer does not keep the process alive.
 */
export function repeat(pass: () => Promise<number>): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const run = async (): Promise<void> => {
    const next = await pass();
    if (!stopped) timer = setTimeout(() => void run(), next).unref();
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * Watches the main thread for long tasks (the browser reports every task over
 * 50 ms as a `longtask` performance entry) and remembers the longest since the
 * last `reset()`: the page must stay responsive while the worker trains.
 */
export class LongTaskMonitor {
  /** Duration in ms of the longest task since reset (0: none over 50 ms). */
  longest = 0;
  count = 0;
  /** The long tasks since reset: [start in ms after reset, duration in ms]. */
  tasks: [number, number][] = [];
  /** Whether this browser reports long tasks at all. */
  readonly supported: boolean;
  private since = 0;

  constructor(private readonly onChange: (monitor: LongTaskMonitor) => void) {
    this.supported = PerformanceObserver.supportedEntryTypes?.includes('longtask') ?? false;
    if (!this.supported) return;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (entry.startTime < this.since) continue;
        this.count += 1;
        this.tasks.push([Math.round(entry.startTime - this.since), Math.round(entry.duration)]);
        this.longest = Math.max(this.longest, entry.duration);
      }
      this.onChange(this);
    }).observe({ type: 'longtask', buffered: true });
  }

  /** Forget what was seen so far (e.g. page loading), and count from now. */
  reset(): void {
    this.since = performance.now();
    this.longest = 0;
    this.count = 0;
    this.tasks = [];
    this.onChange(this);
  }
}

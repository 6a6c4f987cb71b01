import type { Random } from "./random";
import {
  serviceResource,
  SHOP_SERVICES,
  type OrderSample,
  type RequestSample,
  type ServiceName,
  type ShopTrace,
} from "./shop";
import { micros, type WireMetric } from "./wire";

// The shop's metrics, derived from the requests its traces describe, as an SDK with a periodic
// reader exports them: one point per series per window. The request-duration histogram keeps its
// buckets, which the native JSON metric item cannot carry, so it goes out as OTLP/JSON.

const METRIC_WINDOW_MS = 10_000;
/** The OpenTelemetry semantic conventions' advice for http.server.request.duration. */
const DURATION_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

interface Window {
  start: number;
  requests: RequestSample[];
  orders: OrderSample[];
}

interface OtlpKeyValue {
  key: string;
  value: { stringValue: string } | { intValue: string };
}

interface OtlpHistogramPoint {
  attributes: OtlpKeyValue[];
  startTimeUnixNano: string;
  timeUnixNano: string;
  count: string;
  sum: number;
  min: number;
  max: number;
  explicitBounds: number[];
  bucketCounts: string[];
}

/** An OTLP/JSON ExportMetricsServiceRequest with the request-duration histograms of some windows. */
export interface OtlpMetricsRequest {
  resourceMetrics: {
    resource: { attributes: OtlpKeyValue[] };
    scopeMetrics: {
      scope: { name: string; version: string };
      metrics: {
        name: string;
        unit: string;
        description: string;
        histogram: { aggregationTemporality: 1; dataPoints: OtlpHistogramPoint[] };
      }[];
    }[];
  }[];
}

export interface MetricExport {
  points: WireMetric[];
  histograms: OtlpMetricsRequest;
  histogramPoints: number;
}

const nanos = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();
const keyValue = (key: string, value: string | number): OtlpKeyValue => ({
  key,
  value: typeof value === "number" ? { intValue: String(value) } : { stringValue: value },
});

/** CPU a host burns idle, and per request per second it serves. */
const CPU: Record<ServiceName, { idle: number; perRequest: number }> = {
  frontend: { idle: 0.06, perRequest: 0.05 },
  api: { idle: 0.04, perRequest: 0.045 },
  worker: { idle: 0.03, perRequest: 0.02 },
};

export class ShopMetrics {
  private readonly windows = new Map<number, Window>();
  /** start of the first window not yet exported */
  private next: number;

  constructor(
    private readonly rand: Random,
    start: number,
  ) {
    this.next = Math.floor(start / METRIC_WINDOW_MS) * METRIC_WINDOW_MS;
  }

  private window(time: number): Window {
    const start = Math.floor(time / METRIC_WINDOW_MS) * METRIC_WINDOW_MS;
    // a window already exported cannot take more: the SDK would have counted it in the next one
    const at = Math.max(start, this.next);
    let window = this.windows.get(at);
    if (!window) this.windows.set(at, (window = { start: at, requests: [], orders: [] }));
    return window;
  }

  /** Counts a trace's requests and orders in the windows in which they ended. */
  observe(trace: ShopTrace): void {
    for (const request of trace.requests) this.window(request.end).requests.push(request);
    for (const order of trace.orders) this.window(order.time).orders.push(order);
  }

  /** The points of every window with requests in it, as an SDK flushes them when it shuts down. */
  exportAll(): MetricExport {
    return this.export(Math.max(this.next, ...[...this.windows.keys()].map((start) => start + METRIC_WINDOW_MS)));
  }

  /** The points of every window that has ended by `until`, in time order. */
  export(until: number): MetricExport {
    const points: WireMetric[] = [];
    const histograms = new Map<ServiceName, OtlpHistogramPoint[]>();
    while (this.next + METRIC_WINDOW_MS <= until) {
      const window = this.windows.get(this.next) ?? { start: this.next, requests: [], orders: [] };
      this.windows.delete(this.next);
      points.push(...this.gauges(window), ...this.counters(window));
      for (const [service, servicePoints] of this.histogramPoints(window)) {
        const known = histograms.get(service);
        if (known) known.push(...servicePoints);
        else histograms.set(service, servicePoints);
      }
      this.next += METRIC_WINDOW_MS;
    }
    let histogramPoints = 0;
    const resourceMetrics = [...histograms].map(([service, dataPoints]) => {
      histogramPoints += dataPoints.length;
      return {
        resource: {
          attributes: Object.entries(serviceResource(service)).map(([key, value]) => keyValue(key, String(value))),
        },
        scopeMetrics: [
          {
            scope: { name: "@opentelemetry/instrumentation-http", version: "0.57.0" },
            metrics: [
              {
                name: "http.server.request.duration",
                unit: "s",
                description: "Duration of HTTP server requests.",
                histogram: { aggregationTemporality: 1 as const, dataPoints },
              },
            ],
          },
        ],
      };
    });
    return { points, histograms: { resourceMetrics }, histogramPoints };
  }

  private histogramPoints(window: Window): Map<ServiceName, OtlpHistogramPoint[]> {
    const series = new Map<string, RequestSample[]>();
    for (const request of window.requests) {
      const key = [request.service, request.method, request.route, request.status].join(" ");
      const known = series.get(key);
      if (known) known.push(request);
      else series.set(key, [request]);
    }
    const byService = new Map<ServiceName, OtlpHistogramPoint[]>();
    for (const requests of series.values()) {
      const first = requests[0]!;
      const seconds = requests.map((r) => (r.end - r.start) / 1000);
      const bucketCounts = new Array<number>(DURATION_BOUNDS.length + 1).fill(0);
      for (const s of seconds) {
        const bucket = DURATION_BOUNDS.findIndex((bound) => s <= bound);
        bucketCounts[bucket === -1 ? DURATION_BOUNDS.length : bucket]! += 1;
      }
      const point: OtlpHistogramPoint = {
        attributes: [
          // a tag as well as the resource's service, so charts can group by it
          keyValue("service.name", first.service),
          keyValue("http.request.method", first.method),
          keyValue("http.route", first.route),
          keyValue("http.response.status_code", first.status),
        ],
        startTimeUnixNano: nanos(window.start),
        timeUnixNano: nanos(window.start + METRIC_WINDOW_MS),
        count: String(seconds.length),
        sum: seconds.reduce((a, b) => a + b, 0),
        min: Math.min(...seconds),
        max: Math.max(...seconds),
        explicitBounds: DURATION_BOUNDS,
        bucketCounts: bucketCounts.map(String),
      };
      const known = byService.get(first.service);
      if (known) known.push(point);
      else byService.set(first.service, [point]);
    }
    return byService;
  }

  private gauges(window: Window): WireMetric[] {
    const time = micros(window.start + METRIC_WINDOW_MS);
    const points: WireMetric[] = [];
    for (const service of ["frontend", "api"] as const) {
      // requests in flight on average over the window (their time spent per time passed) rather
      // than at the instant of export, which at this shop's traffic would nearly always be 0
      const busy = window.requests.filter((r) => r.service === service).reduce((sum, r) => sum + (r.end - r.start), 0);
      points.push({
        name: "http.server.active_requests",
        value: Math.round((busy / METRIC_WINDOW_MS) * 100) / 100,
        metric_type: "gauge",
        timestamp: time,
        unit: "{request}",
        description: "Number of active HTTP server requests.",
        tags: { "service.name": service, "url.scheme": service === "frontend" ? "https" : "http" },
        service_name: service,
      });
    }
    for (const service of Object.keys(SHOP_SERVICES) as ServiceName[]) {
      const hosts = SHOP_SERVICES[service].hosts;
      const perSecond =
        window.requests.filter((r) => r.service === service).length / (METRIC_WINDOW_MS / 1000) / hosts.length;
      for (const host of hosts) {
        const utilization = CPU[service].idle + CPU[service].perRequest * perSecond + this.rand.between(-0.02, 0.04);
        points.push({
          name: "process.cpu.utilization",
          value: Math.round(Math.min(0.98, Math.max(0.005, utilization)) * 1000) / 1000,
          metric_type: "gauge",
          timestamp: time,
          unit: "1",
          description:
            "Difference in process.cpu.time since the last measurement, divided by the elapsed time and number of CPUs available to the process.",
          tags: { "service.name": service, "host.name": host },
          service_name: service,
        });
      }
    }
    return points;
  }

  private counters(window: Window): WireMetric[] {
    const time = micros(window.start + METRIC_WINDOW_MS);
    // native counter points without a temporality are increments: the orders of this window
    return ["card", "paypal", "apple_pay"].map((method) => ({
      name: "shop.orders.created",
      value: window.orders.filter((o) => o.paymentMethod === method).length,
      metric_type: "counter",
      timestamp: time,
      unit: "{order}",
      description: "Orders placed at checkout.",
      tags: { "service.name": "api", "payment.method": method },
      service_name: "api",
    }));
  }
}

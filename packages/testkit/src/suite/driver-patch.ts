import type { ConsumerDriver, IStreamingConnector } from "@qi/streaming/connector";

/** Replaces some methods of a driver instance, keeping the rest bound to it (wrapped connectors in tests). */
export function patch<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (prop in overrides) return overrides[prop as keyof T];
      const v = Reflect.get(t, prop, receiver) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

/** The connector with each consumer driver it makes passed through `wrap` (to patch or record it). */
export function wrapConsumers(connector: IStreamingConnector, wrap: (driver: ConsumerDriver) => ConsumerDriver): IStreamingConnector {
  return { ...connector, createConsumer: (context, config) => wrap(connector.createConsumer(context, config)) };
}

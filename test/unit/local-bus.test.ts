import { LocalBus } from '../../src/adapters/local/local-bus.js';
import { busConformance } from '../helpers/bus-conformance.js';

// The in-process bus is one node: it stands in for all three nodes of the suite.
busConformance('LocalBus', async (logger) => {
  const bus = new LocalBus(logger);
  return { a: bus, b: bus, c: bus, close: () => bus.close() };
});

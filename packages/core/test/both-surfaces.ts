// The tests reach both public surfaces: the application API and the connector kit.
export * from "../src/index.js";
export * from "../src/connector-kit.js";

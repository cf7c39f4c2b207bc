// Sends messages through the real Segment Node client (@segment/analytics-node) to a
// surveyapp server, as a customer's backend does: run by
// tests/integrations/test_segment_node_client.py with
//   node test/segment-client.mjs <server origin> <write key> <scenario>
// The client keeps only the origin of `host`: the path goes in `path`.
// and prints one JSON line: the HTTP statuses the client got and the errors it emitted.
import { Analytics } from "@segment/analytics-node";

const [host, writeKey, scenario] = process.argv.slice(2);
const analytics = new Analytics({ writeKey, host, path: "/api/segment/v1/batch", maxRetries: 1, flushAt: 50, flushInterval: 60000 });
const statuses = [];
const errors = [];
analytics.on("http_response", (r) => statuses.push(r.status));
analytics.on("error", (e) => errors.push({ code: e.code, reason: String(e.reason && e.reason.message || e.reason) }));

if (scenario === "journey") {
  // A visitor browses anonymously, signs up (identify links both ids), subscribes; an
  // earlier visit from another device is linked with alias.
  analytics.page({ anonymousId: "node-visitor-1", category: "Docs", name: "Pricing",
    properties: { url: "https://example.com/pricing", path: "/pricing" } });
  analytics.track({ anonymousId: "node-visitor-1", event: "Plan Compared", properties: { plans: 3 } });
  analytics.identify({ userId: "u-node-1", anonymousId: "node-visitor-1",
    traits: { email: "grace@example.com", plan: "pro", address: { city: "York", country: "UK" } } });
  analytics.track({ userId: "u-node-1", event: "Subscription Started",
    properties: { plan: "pro", amount: 49 }, messageId: "node-msg-subscription-0001" });
  // the same message again, as a retry after a lost answer would send it
  analytics.track({ userId: "u-node-1", event: "Subscription Started",
    properties: { plan: "pro", amount: 49 }, messageId: "node-msg-subscription-0001" });
  analytics.track({ anonymousId: "node-tablet-7", event: "Read Docs", properties: { page: "/docs/api" } });
  analytics.alias({ previousId: "node-tablet-7", userId: "u-node-1" });
} else {
  analytics.track({ userId: "u-node-2", event: "Refused" });
}
await analytics.closeAndFlush({ timeout: 20000 });
console.log(JSON.stringify({ statuses, errors }));

// What an app written in TypeScript writes: type-checked against the published
// declarations (dist/index.d.ts, through the package's "exports"), by tests/integrations/
// test_npm_package.py with `tsc --noEmit -p test/tsconfig.json`. The @ts-expect-error lines
// must be errors: if the declarations were loose (any), tsc would fail on them.
import { experiment, identify, init, optOut, personalize, reset, setConsent, track, whyText, yourData } from "@surveyapp/widget";
import type { Attributes, Decision, DecisionWhy, InitOptions } from "@surveyapp/widget";

const options: InitOptions = { key: "pk_example", host: "https://surveys.example.com", userId: 42 };
const loaded: Promise<boolean> = init(options);
const attrs: Attributes = { plan: "pro", seats: 12, trial: false, churned_at: null };
identify("u_42", attrs);
track("report_exported", { format: "csv", rows: 1200, filters: { region: ["eu", "us"] } });
track("signed_in");
setConsent(true);
reset();
optOut();
async function variants(): Promise<string> {
  const variant: string | null = await experiment("new-onboarding");
  const link: string | null = await yourData("9f86d081884c7d65");
  return (variant ?? "control") + (link ?? "") + String(await loaded);
}
void variants();

// @ts-expect-error the public key is required
init({ host: "https://surveys.example.com" });
// @ts-expect-error an event's name is a string
track(42);
// @ts-expect-error attributes are a flat object of scalars
identify("u_42", { address: { city: "Leeds" } });
// @ts-expect-error consent is true or false
setConsent("yes");
// @ts-expect-error experiment() resolves to the variant or null, not a number
const wrong: Promise<number> = experiment("new-onboarding");
void wrong;

// personalize(): the decision with its payload and its "why" text, or null.
async function tip(el: Element): Promise<string> {
  const decision: Decision | null = await personalize("onboarding_tip", (d) => {
    if (d && d.ask) d.ask(el);
  }, { attributes: { plan: "pro" } });
  const why: DecisionWhy | undefined = decision?.why;
  const items: string[] | null = decision ? decision.items : null;
  return whyText(decision) + String(why) + String(items) + JSON.stringify(decision?.payload);
}
void tip;
// @ts-expect-error the slot is its key, a string
personalize(7);
// @ts-expect-error attributes for rules are a flat object of scalars
personalize("onboarding_tip", undefined, { attributes: { nested: { a: 1 } } });
// @ts-expect-error a decision's reason is text
const reasonNumber: number = (null as unknown as Decision).reason;
void reasonNumber;
// @ts-expect-error why is one of the known reasons
const badWhy: DecisionWhy = "because";
void badWhy;

// What an app written in TypeScript writes: type-checked against the published
// declarations (dist/index.d.ts, through the package's "exports"), by tests/integrations/
// test_npm_package.py with `tsc --noEmit -p test/tsconfig.json`. The @ts-expect-error lines
// must be errors: if the declarations were loose (any), tsc would fail on them.
import { experiment, identify, init, optOut, reset, setConsent, track, yourData } from "@surveyapp/widget";
import type { Attributes, InitOptions } from "@surveyapp/widget";

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

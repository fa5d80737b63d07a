// Test call: pick a customer (or a number) and a tactic, see their context and whether a call is allowed now,
// then simulate the call in the browser over /sim or place a real call through Twilio.
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { Mic, PhoneOff, PhoneOutgoing, Play, Send, ShieldAlert, Volume2, VolumeX } from "lucide-react";
import { $api, errorMessage } from "../../api/client";
import { Can, useCan } from "../../auth/Can";
import { Badge, Button, Card, PageHeader, QueryState, SelectField, TextField, cx } from "../../components/ui";
import { dateTime, humanize, localTimeIn, money } from "../../lib/format";
import { useDebounced } from "../../lib/useDebounced";
import { useSimCall, type SimOverrides } from "../../lib/sim";
import { FlagBadges } from "../customers/flags";
import { listenOnce, speak, speechSupport, stopSpeaking } from "../../lib/speech";
import { SimTranscript } from "./SimTranscript";

const KEYPAD = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];

export function TestCallPage() {
  // `?customer=<id>&tactic=<name>&autostart=1` preselects and starts a simulation (Archer's launch_test_call).
  const [search, setSearch] = useSearchParams();
  const [customerId, setCustomerId] = useState(() => search.get("customer") ?? "");
  const [phone, setPhone] = useState("");
  const [tactic, setTactic] = useState(() => search.get("tactic") || "balanced_progression");
  const [voice, setVoice] = useState(false);
  const [overrides, setOverrides] = useState<SimOverrides>({});
  const customers = $api.useQuery("get", "/api/v1/customers", { params: { query: { limit: 200 } } });
  const tactics = $api.useQuery("get", "/api/v1/tactics");
  const people = [...(customers.data?.items ?? [])].sort((a, b) =>
    `${a.last_name} ${a.first_name}`.localeCompare(`${b.last_name} ${b.first_name}`));
  const activeTactics = (tactics.data ?? []).filter((t) => t.active).sort((a, b) => humanize(a.name).localeCompare(humanize(b.name)));
  const sim = useSimCall((text) => { if (voice) speak(text); });
  const running = sim.state.status === "connecting" || sim.state.status === "agent" || sim.state.status === "listening";
  const canSimulate = useCan("supervisor");
  const launch = useRef(search.get("autostart") === "1" ? `${search.get("customer")}|${search.get("tactic")}` : null);
  useEffect(() => {
    // A new launch from the guide while the page is open: take its customer and tactic.
    const c = search.get("customer");
    const t = search.get("tactic");
    if (c) setCustomerId(c);
    if (t) setTactic(t);
    if (search.get("autostart") === "1") launch.current = `${c}|${t}`;
  }, [search]);
  useEffect(() => {
    if (!launch.current || !canSimulate || running || !customerId || !customers.data || !tactics.data) return;
    launch.current = null;
    void sim.start(customerId, tactic, overrides);
    const next = new URLSearchParams(search);
    next.delete("autostart"); // a reload must not start a second call
    setSearch(next, { replace: true });
  }, [canSimulate, running, customerId, tactic, customers.data, tactics.data, sim, overrides, search, setSearch]);

  return (
    <>
      <PageHeader title="Test call" subtitle="Rehearse a collection call with the same engine and compliance guard as a live one." />
      <div className="grid gap-6 xl:grid-cols-5">
        <div className="space-y-6 xl:col-span-2">
          <Card title="Who and how" guide="testcall-setup">
            <div className="space-y-4">
              <SelectField label="Customer" value={customerId} onChange={(e) => { setCustomerId(e.target.value); setPhone(""); setOverrides({}); }} disabled={running}>
                <option value="">Choose a customer…</option>
                {people.map((c) => (
                  <option key={c.id} value={c.id}>{c.first_name} {c.last_name} · {c.phone}</option>
                ))}
              </SelectField>
              <TextField label="…or a phone number" placeholder="+1 212 555 0101" value={phone} disabled={running}
                onChange={(e) => { setPhone(e.target.value); setCustomerId(""); }} hint="Numbers are matched to a customer record." />
              <SelectField label="Tactic" value={tactic} onChange={(e) => setTactic(e.target.value)} disabled={running}>
                {activeTactics.map((t) => <option key={t.id} value={t.name}>{humanize(t.name)}</option>)}
              </SelectField>
              <fieldset className="rounded-lg border border-border p-3" disabled={running || !customerId}>
                <legend className="px-1 text-sm font-medium">What if (simulation only)</legend>
                <p className="mb-2 text-xs text-muted">Try the call with a different balance or days overdue. The customer record is not changed.</p>
                <div className="grid grid-cols-2 gap-3">
                  <TextField label="Balance (USD)" type="number" min={0} step="0.01" placeholder="as on record" value={overrides.balance ?? ""}
                    onChange={(e) => setOverrides({ ...overrides, balance: e.target.value })} />
                  <TextField label="Days overdue" type="number" min={0} step={1} placeholder="as on record" value={overrides.days_overdue ?? ""}
                    onChange={(e) => setOverrides({ ...overrides, days_overdue: e.target.value })} />
                </div>
              </fieldset>
            </div>
          </Card>
          {customerId && <CustomerContext customerId={customerId} overrides={overrides} />}
          {!customerId && phone && <PhoneLookup phone={phone} onFound={setCustomerId} />}
        </div>
        <div className="xl:col-span-3">
          {customerId && <GateBanner customerId={customerId} />}
          <SimPanel customerId={customerId} phone={phone} tactic={tactic} overrides={overrides} sim={sim} running={running} voice={voice} setVoice={setVoice} />
        </div>
      </div>
    </>
  );
}

function PhoneLookup({ phone, onFound }: { phone: string; onFound: (id: string) => void }) {
  // The API matches the number in any format against customers' phone numbers.
  const digits = useDebounced(phone.replace(/\D/g, ""), 300);
  const admin = useCan("admin");
  const lookup = $api.useQuery("get", "/api/v1/customers", { params: { query: { search: digits, limit: 5 } } }, { enabled: digits.length >= 7 });
  const matches = (lookup.data?.items ?? []).filter((c) => c.phone.replace(/\D/g, "").includes(digits.slice(-10)));
  return (
    <Card title="Number lookup">
      {digits.length < 7 ? <p className="text-sm text-muted">Type at least 7 digits.</p> : lookup.isPending ? <p className="text-sm text-muted">Looking up…</p> : matches.length > 0 ? (
        <div className="flex flex-wrap gap-2">{matches.map((m) => <Button key={m.id} onClick={() => onFound(m.id)}>Use {m.first_name} {m.last_name}</Button>)}</div>
      ) : <p className="text-sm text-muted">No customer has this number.{admin ? <> <Link className="text-accent hover:underline" to="/customers">Add the customer</Link> to simulate a call with them.</> : " An administrator can add them under Customers."}</p>}
    </Card>
  );
}

/** When the pre-dial gate would block a real call now, say so above the conversation: the simulation still runs. */
function GateBanner({ customerId }: { customerId: string }) {
  const check = $api.useQuery("get", "/api/v1/customers/{customer_id}/contact-check", { params: { path: { customer_id: customerId } } }, { refetchInterval: 60_000 });
  const r = check.data;
  if (!r || r.allowed) return null;
  return (
    <div role="alert" data-testid="gate-banner" className="mb-4 flex gap-3 rounded-xl border border-danger/40 bg-danger/10 p-4 text-sm">
      <ShieldAlert className="mt-0.5 h-5 w-5 shrink-0 text-danger" aria-hidden />
      <div>
        <div className="font-semibold">A real call to this customer would be blocked now: {humanize(r.reason_code)}.</div>
        <div className="mt-1">
          {r.next_allowed_at ? <>Next allowed {dateTime(r.next_allowed_at, r.timezone)}{r.timezone ? " (the customer's local time)" : ""}. </> : "No later time is allowed. "}
          A simulation still runs: it never dials and is recorded as simulated.
        </div>
      </div>
    </div>
  );
}

function CustomerContext({ customerId, overrides }: { customerId: string; overrides: SimOverrides }) {
  const customer = $api.useQuery("get", "/api/v1/customers/{customer_id}", { params: { path: { customer_id: customerId } } });
  const check = $api.useQuery("get", "/api/v1/customers/{customer_id}/contact-check", { params: { path: { customer_id: customerId } } }, { refetchInterval: 60_000 });
  return (
    <Card title="Customer context">
      <QueryState query={customer} what="the customer">
        {(c) => (
          <div className="space-y-4">
            <dl className="grid grid-cols-2 gap-3 text-sm">
              <div><dt className="text-xs uppercase text-muted">Balance</dt><dd className="text-lg font-semibold">{overrides.balance ? <>{money(overrides.balance)} <Badge tone="accent">what if</Badge></> : money(c.balance)}</dd></div>
              <div><dt className="text-xs uppercase text-muted">Days overdue</dt><dd className="text-lg font-semibold">{overrides.days_overdue ? <>{overrides.days_overdue} <Badge tone="accent">what if</Badge></> : c.days_overdue}</dd></div>
              <div><dt className="text-xs uppercase text-muted">Local time</dt><dd>{localTimeIn(c.timezone)}</dd></div>
              <div><dt className="text-xs uppercase text-muted">Time zone</dt><dd>{c.timezone?.replace(/_/g, " ") ?? "Unknown (from number)"}</dd></div>
              <div className="col-span-2"><dt className="text-xs uppercase text-muted">To pass identity check in a simulation</dt>
                <dd>Say the account's last four digits <span className="font-mono">{c.account_last_4}</span> and ZIP / postal code <span className="font-mono">{c.postal_code}</span>.</dd></div>
            </dl>
            {(c.flags ?? []).length > 0 && <FlagBadges flags={c.flags ?? []} />}
            <QueryState query={check} what="the contact check">
              {(r) => (
                <div className={cx("rounded-lg border p-3 text-sm", r.allowed ? "border-ok/40 bg-ok/10" : "border-danger/40 bg-danger/10")} data-testid="contact-check">
                  <div className="font-semibold">{r.allowed ? "A call is allowed now" : "A call is not allowed now"}</div>
                  {!r.allowed && <div className="mt-1">{humanize(r.reason_code)}{r.next_allowed_at ? ` · next allowed ${dateTime(r.next_allowed_at, r.timezone)}` : ""}</div>}
                  {r.local_time && r.timezone && <div className="mt-1 text-xs text-muted">It is {dateTime(r.local_time, r.timezone)} there ({r.timezone.replace(/_/g, " ")}).</div>}
                  <div className="mt-1 text-xs text-muted">Simulated calls never dial; they are still screened and recorded as simulated.</div>
                </div>
              )}
            </QueryState>
          </div>
        )}
      </QueryState>
    </Card>
  );
}

function SimPanel({ customerId, phone, tactic, overrides, sim, running, voice, setVoice }: {
  customerId: string; phone: string; tactic: string; overrides: SimOverrides; sim: ReturnType<typeof useSimCall>; running: boolean; voice: boolean; setVoice: (v: boolean) => void;
}) {
  const navigate = useNavigate();
  const [text, setText] = useState("");
  const [listening, setListening] = useState(false);
  const initiate = $api.useMutation("post", "/api/v1/calls/initiate", { onSuccess: (r) => navigate(`/calls/${r.call_id}`) });
  const { state } = sim;
  const send = () => { sim.say(text); setText(""); };
  const talk = async () => {
    setListening(true);
    try {
      const heard = await listenOnce();
      if (heard) sim.say(heard);
    } finally {
      setListening(false);
    }
  };
  return (
    <Card
      guide="testcall-conversation"
      title="Conversation"
      actions={<div className="flex items-center gap-2">
        <StatusPill status={state.status} />
        {speechSupport.synthesis() && (
          <Button variant="ghost" aria-pressed={voice} onClick={() => { if (voice) stopSpeaking(); setVoice(!voice); }}
            aria-label={voice ? "Mute the agent's voice" : "Hear the agent's voice"}>
            {voice ? <Volume2 className="h-4 w-4" /> : <VolumeX className="h-4 w-4" />}
          </Button>
        )}
      </div>}
    >
      <div className="mb-4 flex flex-wrap gap-2">
        <Can role="supervisor" fallback={<p className="text-sm text-muted">Viewers can follow calls; simulating or placing one needs the supervisor role.</p>}>
          <Button variant="primary" disabled={!customerId || running} onClick={() => sim.start(customerId, tactic, overrides)}>
            <Play className="h-4 w-4" aria-hidden /> Simulate call
          </Button>
        </Can>
        <Can role="supervisor">
          <Button disabled={(!customerId && phone.replace(/\D/g, "").length < 7) || running} busy={initiate.isPending}
            title="Dials through Twilio after the pre-dial compliance check; refused with the reason when not allowed"
            onClick={() => initiate.mutate({ body: { ...(customerId ? { customer_id: customerId } : { phone }), tactic, call_type: "test" } })}>
            <PhoneOutgoing className="h-4 w-4" /> Place real call
          </Button>
        </Can>
        {running && <Button variant="danger" onClick={sim.hangup}><PhoneOff className="h-4 w-4" /> Hang up</Button>}
      </div>
      {initiate.error && <p role="alert" className="mb-3 text-sm text-danger">The call was not placed: {errorMessage(initiate.error)}</p>}
      {state.error && <p role="alert" className="mb-3 text-sm text-danger">{state.error}</p>}
      <div className="h-[28rem] overflow-y-auto rounded-lg border border-border bg-bg/40 p-4">
        <SimTranscript items={state.items} waiting={state.status === "connecting"} />
      </div>
      {state.status === "ended" && (
        <div role="status" className="mt-3 flex flex-wrap items-center justify-between gap-2 rounded-lg border border-border bg-surface-2 px-4 py-2 text-sm">
          <span>Call ended: {humanize(state.endReason)}</span>
          {state.callId && <Link to={`/calls/${state.callId}`} className="font-medium text-accent hover:underline">Open the call record →</Link>}
        </div>
      )}
      <form className="mt-4 flex gap-2" onSubmit={(e) => { e.preventDefault(); send(); }}>
        <label htmlFor="sim-say" className="sr-only">Say as the customer</label>
        <input id="sim-say" value={text} onChange={(e) => setText(e.target.value)} disabled={!running}
          placeholder={running ? "Reply as the customer…" : "Start a simulated call first"}
          className="flex-1 rounded-lg border border-border bg-surface-2 px-3 py-2 text-sm focus:border-accent focus:outline-none disabled:opacity-50" />
        {speechSupport.recognition() && (
          <Button onClick={talk} disabled={!running || listening} aria-label="Speak your reply"><Mic className={cx("h-4 w-4", listening && "animate-pulse text-danger")} /></Button>
        )}
        <Button type="submit" variant="primary" disabled={!running || !text.trim()}><Send className="h-4 w-4" /> Send</Button>
      </form>
      <div className="mt-3 flex flex-wrap items-center gap-1" role="group" aria-label="Keypad">
        <span className="mr-2 text-xs text-muted">Keypad</span>
        {KEYPAD.map((d) => (
          <button key={d} type="button" disabled={!running} onClick={() => sim.dtmf(d)}
            className="h-8 w-8 rounded-md border border-border bg-surface-2 font-mono text-sm hover:border-accent disabled:opacity-40" aria-label={`Key ${d}`}>{d}</button>
        ))}
      </div>
    </Card>
  );
}

function StatusPill({ status }: { status: string }) {
  const label: Record<string, string> = { idle: "Ready", connecting: "Connecting", agent: "Agent speaking", listening: "Your turn", ended: "Ended", error: "Error" };
  const tone = status === "listening" ? "ok" : status === "agent" || status === "connecting" ? "accent" : status === "error" ? "danger" : "neutral";
  return <Badge tone={tone}>{label[status] ?? status}</Badge>;
}

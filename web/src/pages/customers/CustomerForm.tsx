// Add or edit one customer (administrators): the API validates (E.164 phone, IANA zone) and answers with each
// problem by field.
import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { $api, errorMessage } from "../../api/client";
import type { components } from "../../api/schema";
import { Button, Card, SelectField, TextField } from "../../components/ui";

type Customer = components["schemas"]["CustomerOut"];
type Fields = { first_name: string; last_name: string; phone: string; account_last_4: string; postal_code: string;
  balance: string; days_overdue: string; timezone: string; country: "US" | "CA"; region: string;
  phone_type: "mobile" | "landline" | "voip" | "unknown" };

const ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
  "America/Anchorage", "Pacific/Honolulu", "America/Toronto", "America/Vancouver", "America/Edmonton",
  "America/Winnipeg", "America/Halifax", "America/St_Johns"].sort();

function initial(c?: Customer): Fields {
  return { first_name: c?.first_name ?? "", last_name: c?.last_name ?? "", phone: c?.phone ?? "",
    account_last_4: c?.account_last_4 ?? "", postal_code: c?.postal_code ?? "", balance: c?.balance ?? "",
    days_overdue: c ? String(c.days_overdue) : "", timezone: c?.timezone ?? "", country: (c?.country as "US" | "CA") ?? "US",
    region: c?.region ?? "", phone_type: (c?.phone_type as Fields["phone_type"]) ?? "unknown" };
}

export function CustomerForm({ customer, onDone }: { customer?: Customer; onDone: (id?: string) => void }) {
  const qc = useQueryClient();
  const [f, setF] = useState<Fields>(() => initial(customer));
  const set = (k: keyof Fields) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const refresh = () => qc.invalidateQueries({ queryKey: ["get", "/api/v1/customers"] });
  const create = $api.useMutation("post", "/api/v1/customers", { onSuccess: (c) => { void refresh(); onDone(c.id); } });
  const update = $api.useMutation("patch", "/api/v1/customers/{customer_id}", {
    onSuccess: () => {
      void refresh();
      void qc.invalidateQueries({ queryKey: ["get", "/api/v1/customers/{customer_id}"] });
      onDone(customer?.id);
    },
  });
  const body = {
    first_name: f.first_name, last_name: f.last_name, phone: f.phone, account_last_4: f.account_last_4,
    postal_code: f.postal_code, balance: f.balance, days_overdue: Number(f.days_overdue),
    timezone: f.timezone || null, country: f.country, region: f.region ? f.region.toUpperCase() : null, phone_type: f.phone_type,
  };
  const submit = () => {
    if (customer) update.mutate({ params: { path: { customer_id: customer.id } }, body });
    else create.mutate({ body });
  };
  const error = create.error ?? update.error;
  return (
    <Card title={customer ? "Edit customer" : "Add a customer"} className="mb-6">
      <form className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4" onSubmit={(e) => { e.preventDefault(); submit(); }} aria-label={customer ? "Edit customer" : "Add a customer"}>
        <TextField label="First name" required value={f.first_name} onChange={set("first_name")} autoComplete="off" />
        <TextField label="Last name" required value={f.last_name} onChange={set("last_name")} autoComplete="off" />
        <TextField label="Phone" required value={f.phone} onChange={set("phone")} hint="Any format; stored as +1…" />
        <SelectField label="Phone type" value={f.phone_type} onChange={set("phone_type")}>
          {["landline", "mobile", "unknown", "voip"].map((t) => <option key={t} value={t}>{t === "voip" ? "VoIP" : t[0]!.toUpperCase() + t.slice(1)}</option>)}
        </SelectField>
        <TextField label="Account last four" required inputMode="numeric" pattern="[0-9]{4}" maxLength={4} value={f.account_last_4} onChange={set("account_last_4")} />
        <TextField label="Postal code" required value={f.postal_code} onChange={set("postal_code")} />
        <TextField label="Balance (USD)" required type="number" min={0} step="0.01" value={f.balance} onChange={set("balance")} />
        <TextField label="Days overdue" required type="number" min={0} step={1} value={f.days_overdue} onChange={set("days_overdue")} />
        <SelectField label="Country" value={f.country} onChange={set("country")}>
          <option value="CA">Canada</option>
          <option value="US">United States</option>
        </SelectField>
        <TextField label="State / province" placeholder="e.g. NY" maxLength={2} value={f.region} onChange={set("region")} />
        <SelectField label="Time zone" value={f.timezone} onChange={set("timezone")}>
          <option value="">From the number and address</option>
          {ZONES.map((z) => <option key={z} value={z}>{z.replace(/_/g, " ")}</option>)}
        </SelectField>
        <div className="flex items-end gap-2 sm:col-span-2 lg:col-span-4">
          <Button type="submit" variant="primary" busy={create.isPending || update.isPending}>{customer ? "Save changes" : "Add customer"}</Button>
          <Button variant="ghost" onClick={() => onDone()}>Cancel</Button>
        </div>
        {error && <p role="alert" className="text-sm text-danger sm:col-span-2 lg:col-span-4">Not saved: {errorMessage(error)}</p>}
      </form>
    </Card>
  );
}

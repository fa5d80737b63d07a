// Sign-in: Entra ID in Azure; under `make dev` (AUTH_MODE=dev) a development token for a chosen role.
import { useState } from "react";
import { useAuth } from "../../auth/AuthProvider";
import type { Role } from "../../auth/roles";
import { Logo } from "../../components/Layout";
import { Button, SelectField } from "../../components/ui";

export function SignInPage() {
  const { mode, signIn, error } = useAuth();
  const [role, setRole] = useState<Role>("admin");
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    await signIn(role);
    setBusy(false);
  };
  return (
    <main className="flex min-h-screen items-center justify-center bg-bg px-4 text-fg">
      <div className="w-full max-w-sm rounded-2xl border border-border bg-surface p-8 shadow-2xl">
        <Logo />
        <h1 className="mt-8 text-xl font-semibold">Sign in</h1>
        {mode === "entra" ? (
          <>
            <p className="mt-2 text-sm text-muted">Use your bank account (Microsoft Entra ID).</p>
            <Button variant="primary" className="mt-6 w-full" busy={busy} onClick={submit}>Sign in with Microsoft</Button>
          </>
        ) : (
          <form className="mt-4 space-y-4" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
            <p className="text-sm text-muted">Local development sign-in: choose the role to act as.</p>
            <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              <option value="admin">Admin — tactics, policy, DNC, customers, imports</option>
              <option value="supervisor">Supervisor — test calls, calls and campaigns</option>
              <option value="viewer">Viewer — read only, numbers masked</option>
            </SelectField>
            <Button type="submit" variant="primary" className="w-full" busy={busy}>Sign in as {role}</Button>
          </form>
        )}
        {error && <p role="alert" className="mt-4 text-sm text-danger">{error}</p>}
      </div>
    </main>
  );
}

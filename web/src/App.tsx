// Routes of the admin app; everything but sign-in sits inside the frame and requires a signed-in user.
// Pages load on first visit (code-split), so the first paint does not wait for every chart and form.
import { lazy, type ComponentType } from "react";
import { Route, Routes } from "react-router";
import { useAuth } from "./auth/AuthProvider";
import { Layout } from "./components/Layout";
import { Empty, Loading, PageHeader } from "./components/ui";
import { SignInPage } from "./pages/signin/SignInPage";

function page<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  return lazy(async () => ({ default: (await load())[name] }));
}

const DashboardPage = page(() => import("./pages/dashboard/DashboardPage"), "DashboardPage");
const CallsPage = page(() => import("./pages/calls/CallsPage"), "CallsPage");
const CallDetailPage = page(() => import("./pages/calls/CallDetailPage"), "CallDetailPage");
const TacticsPage = page(() => import("./pages/tactics/TacticsPage"), "TacticsPage");
const TacticEditorPage = page(() => import("./pages/tactics/TacticEditorPage"), "TacticEditorPage");
const TestCallPage = page(() => import("./pages/testcall/TestCallPage"), "TestCallPage");
const CampaignsPage = page(() => import("./pages/campaigns/CampaignsPage"), "CampaignsPage");
const CustomersPage = page(() => import("./pages/customers/CustomersPage"), "CustomersPage");
const CustomerDetailPage = page(() => import("./pages/customers/CustomerDetailPage"), "CustomerDetailPage");
const CompliancePage = page(() => import("./pages/compliance/CompliancePage"), "CompliancePage");
const QualityPage = page(() => import("./pages/quality/QualityPage"), "QualityPage");

export function App() {
  const { status } = useAuth();
  if (status === "loading") return <main className="p-8"><Loading what="your session" /></main>;
  if (status === "signed-out") return <SignInPage />;
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<DashboardPage />} />
        <Route path="calls" element={<CallsPage />} />
        <Route path="calls/:callId" element={<CallDetailPage />} />
        <Route path="tactics" element={<TacticsPage />} />
        <Route path="tactics/new" element={<TacticEditorPage />} />
        <Route path="tactics/:tacticId" element={<TacticEditorPage />} />
        <Route path="test-call" element={<TestCallPage />} />
        <Route path="campaigns" element={<CampaignsPage />} />
        <Route path="customers" element={<CustomersPage />} />
        <Route path="customers/:customerId" element={<CustomerDetailPage />} />
        <Route path="compliance" element={<CompliancePage />} />
        <Route path="quality" element={<QualityPage />} />
        <Route path="*" element={<><PageHeader title="Page not found" /><Empty>That page does not exist.</Empty></>} />
      </Route>
    </Routes>
  );
}

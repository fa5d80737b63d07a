// Routes of the admin app; everything but sign-in sits inside the frame and requires a signed-in user.
import { Route, Routes } from "react-router";
import { useAuth } from "./auth/AuthProvider";
import { Layout } from "./components/Layout";
import { Loading } from "./components/ui";
import { DashboardPage } from "./pages/dashboard/DashboardPage";
import { CallsPage } from "./pages/calls/CallsPage";
import { CallDetailPage } from "./pages/calls/CallDetailPage";
import { TacticsPage } from "./pages/tactics/TacticsPage";
import { TacticEditorPage } from "./pages/tactics/TacticEditorPage";
import { TestCallPage } from "./pages/testcall/TestCallPage";
import { CampaignsPage } from "./pages/campaigns/CampaignsPage";
import { CustomersPage } from "./pages/customers/CustomersPage";
import { CustomerDetailPage } from "./pages/customers/CustomerDetailPage";
import { CompliancePage } from "./pages/compliance/CompliancePage";
import { SignInPage } from "./pages/signin/SignInPage";
import { Empty } from "./components/ui";

export function App() {
  const { status } = useAuth();
  if (status === "loading") return <div className="p-8"><Loading what="your session" /></div>;
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
        <Route path="*" element={<Empty>That page does not exist.</Empty>} />
      </Route>
    </Routes>
  );
}

// The app frame: left navigation, top bar with the user menu (theme toggle, sign out), and the page outlet.
import { Suspense, useEffect, useRef, useState } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import {
  BarChart3, ChevronDown, Gauge, Megaphone, Menu, Moon, PhoneCall, PhoneOutgoing, ShieldCheck, SlidersHorizontal, Sun, Users, LogOut, X,
} from "lucide-react";
import { useAuth } from "../auth/AuthProvider";
import { useTheme } from "../theme/theme";
import { cx, Loading } from "./ui";
import { GuideProvider } from "../guide/GuideProvider";
import { GuideGreeting, GuideLauncher, GuidePanel } from "../guide/GuidePanel";
import { TourOverlay } from "../guide/TourOverlay";

const NAV = [
  { to: "/", label: "Dashboard", icon: BarChart3, end: true },
  { to: "/calls", label: "Calls", icon: PhoneCall },
  { to: "/test-call", label: "Test call", icon: PhoneOutgoing },
  { to: "/tactics", label: "Tactics", icon: SlidersHorizontal },
  { to: "/campaigns", label: "Campaigns", icon: Megaphone },
  { to: "/customers", label: "Customers", icon: Users },
  { to: "/compliance", label: "Compliance", icon: ShieldCheck },
  { to: "/quality", label: "Quality", icon: Gauge },
];

export function Logo() {
  return (
    <div className="flex items-center gap-2.5">
      <svg viewBox="0 0 32 32" className="h-8 w-8" aria-hidden>
        <rect width="32" height="32" rx="7" className="fill-surface-2" />
        <path d="M16 5 L26 27 H21.5 L16 14 L10.5 27 H6 Z" className="fill-accent" />
        <rect x="11" y="20" width="10" height="2.6" rx="1.3" className="fill-accent" />
      </svg>
      <div className="leading-tight">
        <div className="text-base font-semibold tracking-tight">Archer</div>
        <div className="text-[11px] uppercase tracking-widest text-muted">Collections console</div>
      </div>
    </div>
  );
}

function Sidebar({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <>
      {open && <div className="fixed inset-0 z-30 bg-black/50 lg:hidden" onClick={onClose} aria-hidden />}
      <nav
        aria-label="Main"
        data-guide="nav"
        className={cx("fixed inset-y-0 left-0 z-40 flex w-60 flex-col border-r border-border bg-surface px-3 py-4 transition-transform",
          "lg:static lg:translate-x-0", open ? "translate-x-0" : "-translate-x-full")}
      >
        <div className="mb-6 flex items-center justify-between px-2">
          <Logo />
          <button className="rounded p-1 text-muted lg:hidden" onClick={onClose} aria-label="Close navigation"><X className="h-5 w-5" /></button>
        </div>
        <ul className="space-y-1">
          {NAV.map(({ to, label, icon: Icon, end }) => (
            <li key={to}>
              <NavLink
                to={to}
                end={end}
                className={({ isActive }) => cx("flex items-center gap-3 rounded-lg px-3 py-2 text-sm transition",
                  isActive ? "bg-accent-soft font-medium text-accent" : "text-muted hover:bg-surface-2 hover:text-fg")}
              >
                <Icon className="h-4 w-4" aria-hidden />
                {label}
              </NavLink>
            </li>
          ))}
        </ul>
        <div className="mt-auto px-3 text-[11px] leading-relaxed text-muted">
          Every call is screened by the compliance gate before dialing and guarded while it runs.
        </div>
      </nav>
    </>
  );
}

function UserMenu() {
  const { user, signOut, mode } = useAuth();
  const { theme, toggle } = useTheme();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent | KeyboardEvent) => {
      if (e instanceof KeyboardEvent ? e.key === "Escape" : !ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);
  const initials = (user?.name ?? "?").split(/[\s@.]+/).filter(Boolean).slice(0, 2).map((s) => s[0]!.toUpperCase()).join("");
  return (
    <div className="relative" ref={ref}>
      <button
        className="flex items-center gap-2 rounded-lg px-2 py-1.5 text-sm hover:bg-surface-2"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        {/* The accessible name is the visible text ("User menu" for screen readers first), so voice control works. */}
        <span className="sr-only">User menu: </span>
        <span className="flex h-8 w-8 items-center justify-center rounded-full bg-accent-soft text-xs font-semibold text-accent" aria-hidden>{initials}</span>
        <span className="hidden text-left leading-tight sm:block">
          <span className="block font-medium">{user?.name}</span>
          <span className="block text-xs capitalize text-muted">{user?.role ?? "no role"}{mode === "dev" ? " · dev" : ""}</span>
        </span>
        <ChevronDown className="h-4 w-4 text-muted" aria-hidden />
      </button>
      {open && (
        <div role="menu" className="absolute right-0 z-50 mt-2 w-56 rounded-xl border border-border bg-surface p-1 shadow-xl">
          <button role="menuitem" className="flex w-full items-center gap-2 rounded-lg px-3 py-2 text-sm hover:bg-surface-2"
            onClick={() => { toggle(); setOpen(false); }}>
            {theme === "dark" ? <Sun className="h-4 w-4" aria-hidden /> : <Moon className="h-4 w-4" aria-hidden />}
            {theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
          </button>
          <button role="menuitem" className="flex w-full items-center gap-2 rounded-lg px-3 py-2 text-sm hover:bg-surface-2"
            onClick={() => { setOpen(false); signOut(); }}>
            <LogOut className="h-4 w-4" aria-hidden /> Sign out
          </button>
        </div>
      )}
    </div>
  );
}

export function Layout() {
  const [navOpen, setNavOpen] = useState(false);
  const location = useLocation();
  useEffect(() => {
    setNavOpen(false);
  }, [location.pathname]);
  return (
    <GuideProvider>
    <div className="flex h-screen overflow-hidden bg-bg text-fg">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-accent focus:px-3 focus:py-2 focus:text-accent-fg">
        Skip to content
      </a>
      <Sidebar open={navOpen} onClose={() => setNavOpen(false)} />
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex h-16 shrink-0 items-center justify-between gap-4 border-b border-border bg-surface/80 px-4 backdrop-blur lg:px-8">
          <button className="rounded p-2 text-muted hover:bg-surface-2 lg:hidden" onClick={() => setNavOpen(true)} aria-label="Open navigation">
            <Menu className="h-5 w-5" />
          </button>
          <div className="hidden text-sm text-muted md:block">Archer · AI collections voice agent</div>
          <div className="flex items-center gap-2">
            <GuideLauncher />
            <UserMenu />
          </div>
        </header>
        <GuideGreeting />
        <main id="main" className="flex-1 overflow-y-auto px-4 py-6 lg:px-8">
          <div className="mx-auto max-w-7xl">
            <Suspense fallback={<Loading what="the page" />}><Outlet /></Suspense>
          </div>
        </main>
      </div>
      <GuidePanel />
      <TourOverlay />
    </div>
    </GuideProvider>
  );
}

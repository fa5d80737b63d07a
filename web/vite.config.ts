/// <reference types="vitest/config" />
// Vite build for the admin app; in `npm run dev` /api and the voice websockets go to the local dev host.
import { defineConfig, loadEnv } from "vite";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";
import { swaConfig } from "./swa-config";

const devHost = process.env.ARCHER_DEV_HOST ?? "http://127.0.0.1:8000";

export default defineConfig(({ mode }) => ({
  plugins: [react(), tailwindcss(), swaConfig(loadEnv(mode, process.cwd(), "VITE_"))],
  server: {
    proxy: {
      "/api": devHost,
      "/sim": { target: devHost.replace(/^http/, "ws"), ws: true },
      "/live": { target: devHost.replace(/^http/, "ws"), ws: true },
      "/guide": { target: devHost.replace(/^http/, "ws"), ws: true },
    },
  },
  build: { sourcemap: false, chunkSizeWarningLimit: 1200 },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    css: false,
    include: ["src/**/*.test.{ts,tsx}", "*.test.ts"],
  },
}));

/// <reference types="vitest/config" />
// Vite build for the admin app; in `npm run dev` /api and the voice websockets go to the local dev host.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";

const devHost = process.env.ARCHER_DEV_HOST ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: {
    proxy: {
      "/api": devHost,
      "/sim": { target: devHost.replace(/^http/, "ws"), ws: true },
      "/live": { target: devHost.replace(/^http/, "ws"), ws: true },
    },
  },
  build: { sourcemap: true, chunkSizeWarningLimit: 900 },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    css: false,
    include: ["src/**/*.test.{ts,tsx}"],
  },
});

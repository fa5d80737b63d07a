// Streams a file from the API with progress (bytes received) and hands it to the browser as a download.
import { rawFetch } from "../api/client";

export async function downloadWithProgress(path: string, filename: string, onProgress: (bytes: number) => void): Promise<void> {
  const res = await rawFetch(path, { headers: { Accept: "text/csv" } });
  if (!res.ok || !res.body) throw new Error(`the export failed (${res.status})`);
  const reader = res.body.getReader();
  const chunks: BlobPart[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    onProgress(received);
  }
  const url = URL.createObjectURL(new Blob(chunks, { type: "text/csv" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Hands data already in the page to the browser as a file (a call's JSON export). */
export function saveFile(content: string, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function kb(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

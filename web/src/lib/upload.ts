// Uploads a file to the API with upload progress (XMLHttpRequest: fetch cannot report upload progress).
import { API_BASE } from "../auth/config";
import { getToken, notifyUnauthorized } from "../auth/token";

export interface UploadResult { status: number; body: unknown }

export async function uploadWithProgress(path: string, file: File, onProgress: (fraction: number) => void): Promise<UploadResult> {
  const token = await getToken();
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${API_BASE}${path}`);
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.setRequestHeader("Content-Type", file.type || "text/csv");
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      if (xhr.status === 401) notifyUnauthorized();
      let body: unknown = xhr.responseText;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON: keep the text */ }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new Error("the upload could not reach the server"));
    xhr.send(file);
  });
}

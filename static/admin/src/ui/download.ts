/** Saves text as a file through a temporary link (Forge's iframe allows downloads; it does not allow pop-ups). */
export function downloadText(fileName: string, body: string, contentType: string): void {
  const url = URL.createObjectURL(new Blob([body], { type: contentType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

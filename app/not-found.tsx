import Link from "next/link";

// Tracedeck's own 404 page: Next's built-in one carries a <style> element without the page's nonce, which the
// Content-Security-Policy refuses.
export default function NotFound() {
  return (
    <main className="mx-auto max-w-lg p-8">
      <h1 className="text-lg font-semibold">Not found</h1>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">There is no page at this address.</p>
      <Link href="/" className="mt-4 inline-block text-sm text-blue-600 hover:underline dark:text-blue-400">
        Back to the overview
      </Link>
    </main>
  );
}

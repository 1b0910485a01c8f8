/** Uploads as a client makes them, through the gateway. */

/** A GraphQL multipart upload through the gateway (graphql-multipart-request-spec). */
export async function postUpload(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  file: Uint8Array,
  token: string | undefined,
): Promise<{
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { extensions?: { code?: string } }[];
}> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: { ...variables, file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([file]), 'file.bin');
  const response = await fetch(url, {
    method: 'POST',
    body: form,
    headers: {
      'apollo-require-preflight': 'true',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
  });
  return { status: response.status, ...((await response.json()) as object) };
}

export const uploadEncryptedMutation =
  'mutation ($file: Upload!, $sha256: String!) { uploadMedia(file: $file, encrypted: true, sha256: $sha256) { id } }';

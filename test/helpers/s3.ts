import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { radosgw, type Radosgw } from './radosgw.js';

/** The run's S3 gateway (started on first use). */
export async function testGateway(): Promise<Radosgw> {
  return radosgw(inject('sharedDir'));
}

export function s3Client(gw: Radosgw, secret = gw.secretAccessKey): S3Client {
  return new S3Client({
    endpoint: gw.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: secret },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** The environment that points Vetted at a bucket of the gateway. */
export function s3Env(gw: Radosgw, bucket: string): Record<string, string> {
  return {
    STORAGE: 's3',
    S3_ENDPOINT: gw.endpoint,
    S3_REGION: 'us-east-1',
    S3_BUCKET: bucket,
    S3_ACCESS_KEY_ID: gw.accessKeyId,
    S3_SECRET_ACCESS_KEY: gw.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
  };
}

export async function createBucket(gw: Radosgw, bucket: string): Promise<void> {
  const client = s3Client(gw);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

/** Every key in a bucket (to check that nothing is left behind). */
export async function bucketKeys(gw: Radosgw, bucket: string): Promise<string[]> {
  const client = s3Client(gw);
  const keys: string[] = [];
  try {
    let ContinuationToken: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  } finally {
    client.destroy();
  }
  return keys.sort();
}

export async function dropBucket(gw: Radosgw, bucket: string): Promise<void> {
  const keys = await bucketKeys(gw, bucket);
  const client = s3Client(gw);
  try {
    for (let i = 0; i < keys.length; i += 1000) {
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) } }));
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

import { MongoClient } from "mongodb";

/** Drops a test's own MongoDB database (the suites run on ELT_TEST_MONGODB_URI, one database each). */
export async function dropMongoDatabase(uri: string, database: string): Promise<void> {
  const client = new MongoClient(uri);
  try {
    await client.db(database).dropDatabase();
  } finally {
    await client.close();
  }
}

// consumer: opens a database in the directory given as argv[1], writes one
// key and reads it back. Exits 0 on success. Built against an installed
// aeternus by tests/install/install_test.sh.

#include <iostream>
#include <memory>
#include <string>

#include "aeternus/db.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: consumer <database directory>\n";
    return 2;
  }
  std::unique_ptr<aeternus::DB> db;
  aeternus::Status s =
      aeternus::DB::Open({.create_if_missing = true}, argv[1], &db);
  if (!s.ok()) {
    std::cerr << "Open: " << s.ToString() << "\n";
    return 1;
  }
  s = db->Put({}, "consumer-key", "consumer-value");
  if (!s.ok()) {
    std::cerr << "Put: " << s.ToString() << "\n";
    return 1;
  }
  std::string value;
  s = db->Get({}, "consumer-key", &value);
  if (!s.ok() || value != "consumer-value") {
    std::cerr << "Get: " << s.ToString() << ", value \"" << value << "\"\n";
    return 1;
  }
  s = db->Close();
  if (!s.ok()) {
    std::cerr << "Close: " << s.ToString() << "\n";
    return 1;
  }
  std::cout << "consumer: ok\n";
  return 0;
}

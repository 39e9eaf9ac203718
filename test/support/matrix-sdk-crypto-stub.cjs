// Stands in for @matrix-org/matrix-sdk-crypto-nodejs in tests. matrix-bot-sdk's index loads its
// end-to-end encryption module, which requires that package at load time; the package is a native
// addon with no binary for this platform, so loading it throws. The tests use no encryption: the
// bot SDK only reads this module's classes inside crypto methods they never call.
module.exports = {};

export { holdOut, MAX_HISTORY_PURCHASES, purchasesFromCsv, type HeldOutSplit, type Purchase, type PurchaseHistory } from './history.js'
export { generateShop, SHOP_DEFAULTS, type Shop, type ShopOptions } from './shop.js'
export { baskets, itemSimilarity, popularity, scoreBasket, type SimilarityOptions } from './model.js'
export { recallAtK, topK, type Scorer } from './evaluate.js'
export {
  MAX_RECOMMENDER_ITEMS, RECOMMENDER_TEMPLATE, recommenderCard, recommenderOnnx, runRecommenderApp, trainRecommender,
  type RecommenderReport, type TrainedRecommender, type TrainOptions,
} from './app.js'
